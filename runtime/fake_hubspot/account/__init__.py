"""Account information: daily API usage and account details."""
