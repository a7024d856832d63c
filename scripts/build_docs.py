"""Write docs/data-dictionary.md from the schema module and docs/codebook.md from the seeds
(run by `make docs`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flows.seeds import codebook_markdown, load_reference  # noqa: E402
from transforms.dictionary import render_data_dictionary  # noqa: E402

if __name__ == "__main__":
    ref = load_reference()
    path = ROOT / "docs" / "data-dictionary.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(render_data_dictionary(ref.taxonomy.labels, ref.taxonomy.version))
    print(f"wrote {path.relative_to(ROOT)}")
    path = ROOT / "docs" / "codebook.md"
    path.write_text(codebook_markdown())
    print(f"wrote {path.relative_to(ROOT)}")
