"""Names of the per-row figures the scoring plan's checks report, which the
price ranges are widened by and cross-validation records."""

from __future__ import annotations

RARE_CATEGORIES = "rare_categories"  # categories pooled as "Rare" (rare or unseen)
FIELDS_OUT_OF_RANGE = "fields_out_of_range"  # numeric fields beyond their training range
JOINT_DISTANCE = "joint_distance"  # Mahalanobis distance from the training rows
BEYOND_TRAINING = "beyond_training"  # 1 when any range warning was raised, else 0

__all__ = ["BEYOND_TRAINING", "FIELDS_OUT_OF_RANGE", "JOINT_DISTANCE", "RARE_CATEGORIES"]
