"""MoPI-style review and disposal of records that hold personal information.

Every intelligence record gets a review date from configurable rules (by theme and grade);
a supervisor records keep-or-dispose with a reason; disposal erases the record's personal
content through the eraser its domain registers (``beacon.retention.erasers``) and is audited.
"""
