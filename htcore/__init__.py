"""htcore."""
