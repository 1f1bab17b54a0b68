# bench/bench-lib.sh - sourced by run-bench.sh and profile.sh.
# Expects: srcdir, cache, portero (the built portero), gen (bench-gen).

say() { printf '%s\n' "$*" >&2; }

# write_config DIR [NAME [RULES [WELCOME [HTML]]]]: DIR/NAME.conf (portero.conf by
# default), the configuration of a benchmark state. RULES is the rules
# folder (default DIR/filters, left empty: no rules, the intake cases);
# WELCOME (true or false, the default) turns the welcome mail on; HTML (true
# or false, the default) uses the templates with their .html versions
# (DIR/templates-html), for the -html cases. Mail goes
# to the Maildir DIR/sent; [credentials] stays at the product's defaults
# (argon2id at 64 MiB and 2 passes), which the welcome and credentials
# cases measure.
write_config() {
  local dir=$1 name=${2:-portero} rules=${3:-filters} welcome=${4:-false} html=${5:-false} t=templates
  [ "$html" = true ] && t=templates-html
  mkdir -p "$dir/filters" "$dir/sent" "$dir/$t"
  # The shipped templates, and the team notice that generated rules send.
  cp "$srcdir"/templates/*.tmpl "$dir/$t/"
  [ "$html" = true ] && cp "$srcdir"/templates/*.html "$dir/$t/"
  cat > "$dir/$t/aviso-equipo.es.tmpl" <<'TMPL'
Subject: Aviso de regla: {[Título del Ticket]}

Una regla ha avisado al equipo del ticket #{[ID del Ticket]}.

  Título:   {[Título del Ticket]}
  Cliente:  {[Nombre del Cliente]}
  Contacto: {[Nombre del Contacto]}
  Estado:   {[Estado del Ticket]}
TMPL
  cat > "$dir/$t/aviso-equipo.en.tmpl" <<'TMPL'
Subject: Rule notice: {[Ticket Title]}

A rule notified the team of ticket #{[Ticket ID]}.

  Title:    {[Ticket Title]}
  Customer: {[Customer Name]}
  Contact:  {[Contact Name]}
  Status:   {[Ticket Status]}
TMPL
  cat > "$dir/$name.conf" <<CONF
# written by bench/bench-lib.sh
[portero]
database=portero.db
language=es
rules=$rules
templates=$t
[mail]
support-addresses=soporte@helpdesk.example;help@helpdesk.example
from=Soporte <soporte@helpdesk.example>
welcome-email=$welcome
# Every new sender of the welcome cases is new to portero: the installation's
# hourly cap on mail to such addresses would hold back all but the first 60
# (held mail is not built), and the cases measure mail that is built.
new-address-mail-per-hour=1000000
[smtp]
transport=maildir
maildir=sent
CONF
}

# make_rules DIR COUNT: a rules folder of COUNT rule files ("shipped": all
# of filters/). The shipped rules come first, 10-portal-credentials.rule
# the very first; the rest are written by bench-gen rules: varied rules on
# every trigger that never fire for the bench's mail.
make_rules() {
  local dir=$1 n=$2 have=0 f
  rm -rf "$dir" "$dir.gen"
  mkdir -p "$dir"
  for f in "$srcdir"/filters/*.rule; do
    [ "$n" = shipped ] || [ "$have" -lt "$n" ] || break
    cp "$f" "$dir/"
    have=$((have + 1))
  done
  if [ "$n" != shipped ] && [ "$n" -gt "$have" ]; then
    # Generated apart: bench-gen checks that none of its own rules fires.
    "$gen" rules "$dir.gen" $((n - have)) || return 1
    mv "$dir.gen"/*.rule "$dir/"
    rmdir "$dir.gen"
  fi
}

# cached_state SCALE: the directory of the pre-filled state of SCALE
# tickets, made once (by portero init and bench-gen prefill), keyed by the
# model and the schema version so that a change of either makes a new one.
cached_state() {
  local scale=$1 key dir t0
  key=$("$gen" version | tr ' ' '-')
  dir=$cache/state-$scale-$key
  if [ ! -f "$dir/bench.info" ]; then
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    write_config "$dir.tmp"
    "$portero" --config "$dir.tmp/portero.conf" init >/dev/null
    say "pre-filling $scale tickets into $dir (once; cached)"
    t0=$SECONDS
    "$gen" prefill "$dir.tmp" "$scale" >&2
    say "pre-fill of $scale tickets took $((SECONDS - t0)) s, $(du -sh "$dir.tmp" | cut -f1)"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}
