"""What the shared server needs beyond the pages: its limits, the training slots that
sessions share, the pace of live runs, and the live feed's route (server.py mounts it)."""
