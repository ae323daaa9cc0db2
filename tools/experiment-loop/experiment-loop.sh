#!/usr/bin/env bash
# The experiment loop from the command line, against a running ConstitutionHub's JSON API:
# sign in, import a prompt set, start an experiment comparing two revisions of a constitution (judged by the app's
# default model), wait for it, print the leaderboard, and download the DPO preference set.
#
#   tools/experiment-loop/experiment-loop.sh <base-url> <constitution-slug> <revision-a> <revision-b> <prompts.jsonl|prompts.csv> [out.jsonl]
#
# Sign-in: the local sign-in of a development install (HUB_USER names you; default "experiment-loop").
# Needs curl and jq.
set -euo pipefail
base=${1:?base url, e.g. http://127.0.0.1:5000}; slug=${2:?constitution slug}; rev_a=${3:?revision A}; rev_b=${4:?revision B}
prompts=${5:?a JSONL or CSV prompt file}; out=${6:-dpo.jsonl}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
api() { curl -sS --fail-with-body -b "$jar" -c "$jar" "$@"; }

# The local sign-in form carries an antiforgery token.
token=$(api "$base/signin" | sed -n 's/.*name="__RequestVerificationToken"[^>]*value="\([^"]*\)".*/\1/p' | head -1)
api -o /dev/null -X POST "$base/auth/local" --data-urlencode "__RequestVerificationToken=$token" \
  --data-urlencode "displayName=${HUB_USER:-experiment-loop}" --data-urlencode "returnUrl=/"

format=jsonl; [[ "$prompts" == *.csv ]] && format=csv
set_id=$(api -X POST "$base/api/prompt-sets/import?format=$format&name=$(basename "$prompts")" --data-binary "@$prompts" \
  -H "Content-Type: text/$format" | jq -r .id)
echo "prompt set $set_id"

body=$(jq -n --arg set "$set_id" --arg slug "$slug" --argjson a "$rev_a" --argjson b "$rev_b" \
  '{name: "\($slug) r\($a) vs r\($b)", promptSetId: $set, samples: 1, judge: {onlyVariedSections: false},
    arms: [{slug: $slug, revision: $a}, {slug: $slug, revision: $b}]}')
echo "cost: $(api -X POST "$base/api/experiments/estimate" -H 'Content-Type: application/json' -d "$body" | jq -r .summary)"
id=$(api -X POST "$base/api/experiments" -H 'Content-Type: application/json' -d "$body" | jq -r .id)
echo "experiment $id: $base/experiments/$id"

while :; do
  state=$(api "$base/api/experiments/$id")
  done_g=$(jq .progress.done <<<"$state"); total_g=$(jq .progress.total <<<"$state")
  done_j=$(jq .judging.done <<<"$state"); total_j=$(jq .judging.total <<<"$state"); failed=$(jq '.progress.failed + .judging.failed' <<<"$state")
  printf '\rgenerations %s/%s, judged %s/%s, failed %s' "$done_g" "$total_g" "$done_j" "$total_j" "$failed"
  if [ "$failed" -gt 0 ]; then echo; jq -r '.failures[] | "\(.kind) \(.arm)\(.armB) \(.itemId): \(.error)"' <<<"$state"; exit 1; fi
  [ "$done_g" = "$total_g" ] && [ "$done_j" = "$total_j" ] && break
  sleep 2
done
echo
api "$base/api/experiments/$id/ratings" | jq -r '.leaderboard[] | "\(.arm)  \(.label)  \(.rating|floor) [\(.lower|floor), \(.upper|floor)]  win rate \(.winRate)"'
api -o "$out" "$base/api/experiments/$id/export?format=dpo&minMargin=1"
echo "DPO pairs: $(wc -l < "$out") in $out"
