#!/usr/bin/env bash
# Fetch ISLP's Caravan table (5822 x 85 + Purchase, benchmark problem 8) and Bikeshare
# (8645 hours of bike rentals, problem 10): the ISLP wheel from the package registry
# holds them; only the CSVs are kept, in benchmarks/.peers/data (ignored by git). Without
# them, problems 8 and 10 run on synthetic stand-ins.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python -m pip download --quiet --no-deps ISLP==0.6.0 -d "$work"
mkdir -p "$here/.peers/data"
for name in Caravan Bikeshare; do
    python -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
open(sys.argv[2] + '.tmp', 'wb').write(z.read('ISLP/data/' + sys.argv[3] + '.csv'))" \
        "$(ls "$work"/*.whl)" "$here/.peers/data/$name.csv" "$name"
    mv "$here/.peers/data/$name.csv.tmp" "$here/.peers/data/$name.csv"
    echo "get_islp_data: $here/.peers/data/$name.csv"
done
