"""All of paperboy's Block Kit: messages, the Home view, modals, ids, escaping and limits.

Built with `slack_sdk.models.blocks` and `slack_sdk.models.views.View`; every text that came
from a digest or a member is escaped with `escape_mrkdwn` and cut to Slack's limits here, so
no other module builds blocks.
"""

from __future__ import annotations

from bot.slack.blocks import ids
from bot.slack.blocks.home import (
    add_interest_modal,
    follow_author_modal,
    home_view,
    settings_from_state,
    settings_modal,
)
from bot.slack.blocks.messages import (
    channel_digest_message,
    member_digest_message,
    paper_actions,
    search_results_message,
)
from bot.slack.blocks.reading import (
    hot_message,
    import_report_message,
    saved_message,
)
from bot.slack.blocks.replies import (
    FEEDBACK_NOTES,
    SOMETHING_WENT_WRONG,
    channel_status_message,
    error_message,
    feedback_applied,
    help_message,
    interests_message,
    notice,
)
from bot.slack.blocks.text import (
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_FALLBACK_TEXT,
    MAX_HEADER,
    MAX_HOME_BLOCKS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Message,
    escape_mrkdwn,
    permalink,
)

__all__ = [
    "FEEDBACK_NOTES",
    "MAX_BUTTON_TEXT",
    "MAX_BUTTON_VALUE",
    "MAX_FALLBACK_TEXT",
    "MAX_HEADER",
    "MAX_HOME_BLOCKS",
    "MAX_MESSAGE_BLOCKS",
    "MAX_SECTION_TEXT",
    "SOMETHING_WENT_WRONG",
    "Message",
    "add_interest_modal",
    "channel_digest_message",
    "channel_status_message",
    "error_message",
    "escape_mrkdwn",
    "feedback_applied",
    "follow_author_modal",
    "help_message",
    "home_view",
    "hot_message",
    "ids",
    "import_report_message",
    "interests_message",
    "member_digest_message",
    "notice",
    "paper_actions",
    "permalink",
    "saved_message",
    "search_results_message",
    "settings_from_state",
    "settings_modal",
]
