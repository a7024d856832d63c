"""Actor extraction: states, people and organizations with offsets and how each was resolved.

- ``matcher.py``: ``ActorMatcher``, which finds and resolves them in a text;
- ``patterns.py``: the shapes of person names, filled with the lexicon's words
  (``seeds/gazetteer/lexicon.yaml``);
- ``selection.py``: choosing among overlapping candidates, and surnames named before.
"""

from transforms.actors.matcher import ActorMatcher, ActorMention, person_id_for_unknown

__all__ = ["ActorMatcher", "ActorMention", "person_id_for_unknown"]
