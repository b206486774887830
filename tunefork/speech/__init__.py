"""Speech engines (Whisper via faster-whisper, pocketsphinx), the base model registry and synthesis."""
