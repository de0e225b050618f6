"""The shared kernel every feature uses: domain errors, staff role checks, the audit log."""
