"""Scoring: from validated rows to prices, warnings and price ranges, with numpy."""

__all__: list[str] = []
