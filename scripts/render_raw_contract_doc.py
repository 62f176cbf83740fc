"""Render the column tables of docs/raw-contract.md from the contract and the sources YAML.

    .venv/bin/python scripts/render_raw_contract_doc.py          # rewrite the generated blocks
    .venv/bin/python scripts/render_raw_contract_doc.py --check  # exit 1 when they are stale

See cs_metrics.contract_doc; tests/unit/test_contract_sync.py runs the check.
"""

import sys

from cs_metrics.contract_doc import main

if __name__ == "__main__":
    sys.exit(main())
