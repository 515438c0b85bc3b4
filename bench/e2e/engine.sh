#!/usr/bin/env bash
# Parallel-engine benchmark (issue "Parallel engine"): thread scaling, peak memory, and
# compressed rotated sets against the stand-alone decompressors, all measured in one run.
#
#   bench/e2e/engine.sh [SIZE_MIB] [WORKDIR]     (defaults: 1024, ./build/bench-data)
#
# Needs: build/pftally and build/tools/pftgen (cmake --build build), hyperfine, igzip (apt
# package isal), zstd, GNU time (/usr/bin/time). Prints a table; hyperfine's JSON goes to
# WORKDIR/*.json. Ratios compare commands timed in the same run on the same files. The
# decompressors write to /dev/null (not into hyperfine's pipe, which would time the pipe).
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-1024}
work=${2:-build/bench-data}
mkdir -p "$work"
pftally=build/pftally
pftgen=build/tools/pftgen
runs=${RUNS:-5}

gen() { # gen OUT MIB [extra pftgen args]
	local out=$1 mib=$2
	shift 2
	[ -e "$out" ] || "$pftgen" --seed 42 --bytes "${mib}M" --hosts 3 --reuse-qids "$@" -o "$out"
}

median() { # median of hyperfine export JSON for command index $2
	python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print('%.3f' % r['median'])" "$1" "$2"
}

plain="$work/plain-${size_mib}M.log"
gen "$plain" "$size_mib"

echo "== threads: 1 vs 2 on $(du -h "$plain" | cut -f1) plain, page-cached"
cat "$plain" >/dev/null
hyperfine --warmup 1 --runs "$runs" --output=pipe --export-json "$work/threads.json" \
	"$pftally -j 1 --format json $plain" "$pftally -j 2 --format json $plain" >/dev/null
t1=$(median "$work/threads.json" 0)
t2=$(median "$work/threads.json" 1)
python3 -c "print('  -j1 %ss  -j2 %ss  speed-up %.2fx' % ('$t1', '$t2', $t1 / $t2))"

echo "== peak RSS (GNU time, max resident KiB), -j 2"
rss1=$(/usr/bin/time -f %M "$pftally" -j 2 --format json "$plain" 2>&1 >/dev/null | tail -1)
# 4x the input at the same traffic rate (4x the days): memory follows the mail queue, which
# the same traffic over a longer time does not grow; 4x the bytes in the same 16 days would be
# a 4x larger queue, not a larger input of the same kind.
big="$work/plain-$((size_mib * 4))M-64d.log"
gen "$big" $((size_mib * 4)) --days 64
rss4=$(/usr/bin/time -f %M "$pftally" -j 2 --format json "$big" 2>&1 >/dev/null | tail -1)
python3 -c "print('  %d MiB input: %.0f MiB   4x input: %.0f MiB   ratio %.2f' % ($size_mib, $rss1/1024, $rss4/1024, $rss4/$rss1))"

for codec in gzip zstd; do
	set_dir="$work/set-$codec-${size_mib}M"
	if [ ! -d "$set_dir" ]; then
		mkdir -p "$set_dir"
		"$pftgen" --seed 43 --bytes "${size_mib}M" --hosts 3 --reuse-qids --rotate 4 \
			--compress "$codec,$codec,$codec,$codec" -o "$set_dir/mail.log"
	fi
	files=$(ls "$set_dir"/mail.log* | grep -v truth | tr "\n" " ")
	if [ "$codec" = gzip ]; then
		command -v igzip >/dev/null || { echo "  (igzip missing: apt install isal)"; continue; }
		ref="sh -c 'for f in $files; do igzip -dc \$f; done >/dev/null'"
	else
		ref="sh -c 'for f in $files; do zstd -q -dc \$f; done >/dev/null'"
	fi
	echo "== rotated set of 4 $codec files ($(du -ch $files | tail -1 | cut -f1) stored)"
	hyperfine --warmup 1 --runs "$runs" --output=pipe --export-json "$work/set-$codec.json" \
		"$ref" "$pftally -j 2 --format json $set_dir" >/dev/null
	r=$(median "$work/set-$codec.json" 0)
	p=$(median "$work/set-$codec.json" 1)
	python3 -c "print('  decompressor alone %ss  pftally -j2 %ss  ratio %.2f' % ('$r', '$p', $p / $r))"
	"$pftally" -j 2 --stats --format json "$set_dir" 2>&1 >/dev/null | sed 's/^/  /'
done
