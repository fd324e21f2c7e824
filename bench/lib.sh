# bench/lib.sh: what bench/run.sh, bench/ssl.sh and bench/socks.sh share.
# Source it (". bench/lib.sh" from the repository's root); it defines
# functions only, and bench_tmp sets up the scratch directory and traps.

# bench_tmp makes $tmp, a scratch directory removed on exit, and $pids,
# the servers stop_servers kills; it kills them on exit too.
bench_tmp() {
	tmp=$(mktemp -d)
	pids=()
	trap 'stop_servers; rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}

# stop_servers kills the servers in $pids and waits for them: each with
# its process group when it leads one (started with setsid, as danted and
# its children), else by itself.
stop_servers() {
	local p
	for p in "${pids[@]}"; do
		kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	pids=()
}

# field LINE KEY prints the value of KEY=... in LINE, or nothing.
field() {
	local kv
	for kv in $1; do
		if [[ $kv == "$2="* ]]; then
			echo "${kv#*=}"
			return
		fi
	done
}

# median prints the median of those of its arguments that are numbers
# (nothing when none is): the empty result of a failed run is left out.
median() {
	printf '%s\n' "$@" | grep -E '^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# ratio A B prints A/B as "0.93x", or "-" when either is missing or zero.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a + 0 == 0 || b + 0 == 0) print "-"; else printf "%.2fx", a / b }'
}
