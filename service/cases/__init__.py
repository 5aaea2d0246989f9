"""Cases: intake, casework, survey, language override, handoff and SLA watch."""
