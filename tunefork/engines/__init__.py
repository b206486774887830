"""What every engine shares: the training contract, the model card and one cache of loaded models.

Engines live in their own packages (:mod:`tunefork.speech`, :mod:`tunefork.language`); this package is
below them, so they depend on it and never on each other. :mod:`tunefork.kinds` names the engines of
each project kind.
"""
