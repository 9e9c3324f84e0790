#!/usr/bin/env bash
# Build the Fortran glmnet (python-glmnet 2.2.1) for the benchmark, with its Poisson
# family (fishnet) wrapped too (benchmarks/glmnet_fishnet.pyf).
# `pip install glmnet` fails under numpy 2 (its setup needs numpy.distutils), so this
# downloads the sdist from PyPI, compiles glmnet5.f90 with f2py and puts the package's
# Python files beside the module in benchmarks/.peers/glmnet (ignored by git).
# Needs gfortran (Debian: apt-get install gfortran) and meson + ninja (pip, the bench extra).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/.peers/glmnet"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v gfortran >/dev/null || { echo "build_glmnet: gfortran not found (apt-get install gfortran)"; exit 1; }
# the simple index (PEP 503) is what the registry serves; take the sdist link from it
url=$(curl -sSL https://pypi.org/simple/glmnet/ \
      | grep -o 'https://[^"#]*glmnet-2\.2\.1\.tar\.gz' | head -n 1)
[ -n "$url" ] || { echo "build_glmnet: glmnet 2.2.1 sdist not found on PyPI"; exit 1; }
curl -sSL -o "$work/glmnet.tar.gz" "$url"
tar -xzf "$work/glmnet.tar.gz" -C "$work"
src="$work/glmnet-2.2.1/glmnet"
# add the Poisson family (fishnet), which python-glmnet leaves unwrapped
python - "$src/_glmnet.pyf" "$here/glmnet_fishnet.pyf" <<'PY'
import sys
pyf, extra = sys.argv[1], open(sys.argv[2]).read()
text = open(pyf).read()
at = text.rindex("    end interface")
open(pyf, "w").write(text[:at] + extra + text[at:])
PY
(cd "$work" && python -m numpy.f2py -c "$src/_glmnet.pyf" "$src/src/glmnet/glmnet5.f90" \
    --f90flags="-ffixed-form -fdefault-real-8" --opt="-O3" >"$work/f2py.log" 2>&1) \
    || { tail -20 "$work/f2py.log"; exit 1; }
mkdir -p "$dest.tmp"
cp "$work"/_glmnet*.so "$dest.tmp/"
mkdir -p "$dest.tmp/glmnet"
cp "$src"/*.py "$dest.tmp/glmnet/"
# its __init__ asks pkg_resources for the installed version, and it is not installed
sed -i 's/^__version__ = pkg_resources.*/__version__ = "2.2.1"/' "$dest.tmp/glmnet/__init__.py"
rm -rf "$dest.old"; [ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.tmp" "$dest" && rm -rf "$dest.old"
echo "build_glmnet: built into $dest"
