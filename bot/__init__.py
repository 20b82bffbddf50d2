"""paperboy: personalized research-paper alerts for Slack teams."""
