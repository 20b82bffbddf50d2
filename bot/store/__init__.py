"""Every database query, one module per concern; nothing outside `bot/store/` opens a session.

`papers` (papers, inbox files), `vectors` (the embedding cache), `members`, `outbox`, `leases`,
`channels`, `history` (a member's last digest and failed sends, for the Home tab).
"""
