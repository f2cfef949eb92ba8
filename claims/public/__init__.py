"""Public pages (no sign-in): each published fact-check with its ClaimReview JSON-LD, and the feed."""
