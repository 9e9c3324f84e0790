#!/usr/bin/env bash
# Fetch ISLP's Caravan table (5822 x 85 + Purchase) for benchmark problem 8: the ISLP
# wheel from the package registry holds it; only the CSV is kept, in benchmarks/.peers/data
# (ignored by git). Without it, problem 8 runs on problems.caravan_like().
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python -m pip download --quiet --no-deps ISLP==0.6.0 -d "$work"
mkdir -p "$here/.peers/data"
python -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
open(sys.argv[2] + '.tmp', 'wb').write(z.read('ISLP/data/Caravan.csv'))" \
    "$(ls "$work"/*.whl)" "$here/.peers/data/Caravan.csv"
mv "$here/.peers/data/Caravan.csv.tmp" "$here/.peers/data/Caravan.csv"
echo "get_caravan: $here/.peers/data/Caravan.csv"
