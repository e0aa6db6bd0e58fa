"""Religion service: religious-site land records (cơ sở tôn giáo, hồ sơ đất đai)."""
