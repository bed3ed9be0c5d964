"""Quality scores: `make eval`. Each score is computed here from labelled data, never stored."""
