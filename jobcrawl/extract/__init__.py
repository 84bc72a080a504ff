"""Pure extraction: responses or parsed JSON in, JobItem fields out."""
