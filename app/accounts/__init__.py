"""People who use the portal: accounts, their roles per organisation, sessions and login throttling."""
