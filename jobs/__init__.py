"""Scheduled work: each job is a plain async function that the scheduler and the CLI call."""
