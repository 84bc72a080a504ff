"""Configuration files users write (site profiles) and the types they share."""
