"""hdr_studio.app (see ../../STYLE layout); filled in by later issues."""
