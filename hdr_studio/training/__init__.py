"""hdr_studio.training (see ../../STYLE layout); filled in by later issues."""
