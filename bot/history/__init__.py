"""Learning from history: CRM import, calibration of points and threshold, evaluation, insights."""
