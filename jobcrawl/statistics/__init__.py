"""New and active ad counts and the rule of when an ad is active."""
