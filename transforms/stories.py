"""Stories, not copies: near-duplicate articles found by MinHash and LSH (datasketch).

A wire story is reprinted with a new headline, a trimmed or an added paragraph, another
footer or byline, a few words edited, or cut short. Two articles are copies of one story
when most of the shorter one's text is in the longer one: the *containment* of their word
shingles (runs of ``SHINGLE_WORDS`` words of the normalized text), |A ∩ B| / min(|A|, |B|), is at least
``CONTAINMENT``. MinHash signatures estimate the Jaccard similarity J of two shingle sets;
with the sets' sizes that gives the overlap, |A ∩ B| = J (|A| + |B|) / (1 + J). LSH
(``MinHashLSH``) finds the candidates without comparing every pair; its threshold is low
enough (``CANDIDATE_JACCARD``) that a copy holding half of a text is still a candidate.

A story's id is the article id of its first member (first published, then first seen); an
article's similarity is the estimated containment between it and that first member. The
threshold is measured by ``scripts/story_study.py`` on programmatic copies and distinct
articles on the same events (docs/stories.md).
"""

import string
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash, MinHashLSH

SHINGLE_WORDS = 4
NUM_PERM = 128
SEED = 1  # fixed: signatures stored by one run are compared with those of the next
CANDIDATE_JACCARD = 0.3
CONTAINMENT = 0.5

# Punctuation splits words: "Korea," and "Korea" are one word.
_SPACE_FOR_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "“”‘’—–…"})
# A word is hashed from its first _WORD_CHARS characters (UCS-4 code points, as numpy holds them).
_WORD_CHARS = 12
_CHAR_MIX = np.uint64(1_000_003) ** np.arange(_WORD_CHARS, dtype=np.uint64)
_WORD_MIX = np.uint64(1_000_003)
_MAX_HASH = np.uint64((1 << 32) - 1)
SCHEME = "affine32"  # datasketch's permutations of 32-bit hashes


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's distinct runs of ``SHINGLE_WORDS`` words, lowercased (a
    shorter text: one run of all its words). Words are hashed in arrays and runs mixed from
    their hashes: joining every run and hashing it with SHA-1, ``MinHash``'s default, cost
    2.3 ms an article of 5 KB; this and datasketch's permutations of the hashes, 0.65 ms."""
    words = text.lower().translate(_SPACE_FOR_PUNCTUATION).split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    chars = np.array(words, dtype=f"<U{_WORD_CHARS}").view(np.uint32)
    word = (chars.reshape(-1, _WORD_CHARS).astype(np.uint64) * _CHAR_MIX).sum(axis=1) & _MAX_HASH
    k = min(SHINGLE_WORDS, len(words))
    runs = word[: len(words) - k + 1].copy()
    for j in range(1, k):
        runs = (runs * _WORD_MIX + word[j : len(words) - k + 1 + j]) & _MAX_HASH
    return np.unique(runs)


@dataclass(frozen=True)
class Signature:
    """An article's MinHash (its ``hashvalues``) and the size of its shingle set."""

    hashvalues: np.ndarray
    size: int

    @classmethod
    def of(cls, text: str) -> "Signature":
        hashes = shingle_hashes(text)
        m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme=SCHEME)
        m.update_batch(hashes.tolist())  # the runs are hashed already
        return cls(m.hashvalues, int(hashes.size))

    def minhash(self) -> MinHash:
        return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=self.hashvalues, scheme=SCHEME)

    def containment(self, other: "Signature") -> float:
        """Estimated share of the smaller shingle set that is in the other one."""
        if not self.size or not other.size:
            return 0.0
        jaccard = float(np.count_nonzero(self.hashvalues == other.hashvalues)) / NUM_PERM
        shared = jaccard * (self.size + other.size) / (1 + jaccard)
        return min(1.0, shared / min(self.size, other.size))


@dataclass
class StoryIndex:
    """The signatures seen so far and their stories; ``add`` articles in the order they
    came out (first published, then first seen), so the first of a story names it."""

    containment: float = CONTAINMENT
    signatures: dict[str, Signature] = field(default_factory=dict)
    story_of: dict[str, str] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # article id -> when it was added
    lsh: MinHashLSH = field(
        default_factory=lambda: MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=NUM_PERM)
    )

    def add(self, article_id: str, signature: Signature) -> tuple[str, float]:
        """The article's story id and its similarity to the story's first article (1.0 for
        the first one); the article is then a candidate for the next ones."""
        if article_id in self.story_of:
            story = self.story_of[article_id]
            return story, self.signatures[story].containment(signature)
        m = signature.minhash()
        best, best_score = None, 0.0
        # in the order they were added: of equal scores the first wins, whatever order the
        # LSH buckets give
        found = self.lsh.query(m) if signature.size else []
        for other in sorted(found, key=self.order.__getitem__):
            score = self.signatures[other].containment(signature)
            if score > best_score:
                best, best_score = other, score
        story = article_id
        if best is not None and best_score >= self.containment:
            story = self.story_of[best]
        self.signatures[article_id] = signature
        self.story_of[article_id] = story
        self.order[article_id] = len(self.order)
        if signature.size:
            self.lsh.insert(article_id, m)
        similarity = 1.0 if story == article_id else self.signatures[story].containment(signature)
        return story, similarity
