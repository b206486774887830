"""Language understanding and entities: intent classifiers, spaCy NER with rehearsal, synonyms and rules."""
