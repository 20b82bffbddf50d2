"""(placeholder: commands of this group are added by their owner)."""
