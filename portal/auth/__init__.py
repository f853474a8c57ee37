"""Log-in, log-out and the password policy."""
