"""Training: cross-validated evaluation, calibration of price ranges, artifacts."""

__all__: list[str] = []
