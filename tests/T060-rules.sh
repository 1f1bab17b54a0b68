#!/usr/bin/env bash
# Rule files: every operator and action as documented, the flow between
# rules, and `portero check` naming FILE:LINE for each kind of mistake.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
R=$TMP/rules
mkdir -p "$R"
new_state "$S"
sed -i "s|^rules=.*|rules=$R|" "$S/portero.conf"
sed -i 's/^\[mail\]$/[mail]\nwelcome-email=false/' "$S/portero.conf"
C=$S/portero.conf
portero --config "$C" customer add "VIP" >/dev/null

rule() { cat > "$R/$1"; }
field() { sql "$S" "select $1 from tickets where title='$2'"; }
sent_to() { grep -l "^To: .*$1" "$S"/sent/new/* 2>/dev/null | wc -l; }

rule 10-urgent.rule <<'EOF2'
[Rule]
Name=Urgent words
Trigger=ticket-created
Match=any
[Condition a]
Property=title
Operator=contains
Value=URGENTE
[Condition b]
Property=body
Operator=matches
Value=^(server|servidor) (down|caído)
[Action p]
Type=set-priority
Priority=urgent
EOF2
rule 20-vip.rule <<'EOF2'
[Rule]
Name=VIP domain
Trigger=ticket-created
[Condition d]
Property=requester-domain
Operator=ends-with
Value=vip.example
[Condition n]
Property=requester-name
Operator=is-not-empty
[Action c]
Type=set-customer
Customer=VIP
[Action p]
Type=set-priority
Priority=high
[Action tell]
Type=email-address
To=oncall@helpdesk.example;boss@helpdesk.example
Template=my-tickets-staff
EOF2
rule 30-stop.rule <<'EOF2'
[Rule]
Name=Newsletters end here
Trigger=ticket-created
[Condition t]
Property=title
Operator=starts-with
Value=newsletter
[Action s]
Type=set-status
Status=closed
[Action stop]
Type=stop
EOF2
rule 40-after-stop.rule <<'EOF2'
[Rule]
Name=Runs unless stopped
Trigger=ticket-created
[Condition t]
Property=title
Operator=not-contains
Value=zzz
[Action p]
Type=set-status
Status=pending
EOF2
rule 50-ignoreflow.rule <<'EOF2'
[Rule]
Name=Always
Trigger=ticket-created
IgnoreFlow=true
[Condition t]
Property=source
Operator=equals
Value=EMAIL
[Condition d]
Property=destination
Operator=equals
Value=soporte@helpdesk.example
[Action p]
Type=set-priority
Priority=low
EOF2
rule 60-inactive.rule <<'EOF2'
[Rule]
Name=Switched off
Trigger=ticket-created
Active=false
[Condition t]
Property=title
Operator=is-empty
[Action p]
Type=set-status
Status=resolved
EOF2
rule 70-responded.rule <<'EOF2'
[Rule]
Name=Customer answered
Trigger=requester-responded
[Condition s]
Property=status
Operator=equals
Value=pending
[Action s]
Type=set-status
Status=open
EOF2
cat > "$TMP/staff.tmpl" <<'EOF2'
Subject: New VIP ticket {[Ticket ID]}: {[Ticket Title]}

{[Customer Name]} / {[Ticket Status]}
EOF2
mkdir -p "$TMP/templates"
cp "$PORTERO_SRCDIR"/templates/* "$TMP/templates/"
cp "$TMP/staff.tmpl" "$TMP/templates/my-tickets-staff.tmpl"
sed -i "s|^templates=.*|templates=$TMP/templates|" "$C"

begin "contains and matches (Match=any) set the priority; the first setter wins"
expect_code 0 deliver_to "$S" < <(mail "a@plain.example" "Es urgente: no va")
expect_eq "$(field priority 'Es urgente: no va')" "urgent"
expect_code 0 deliver_to "$S" < <(printf 'From: a@plain.example\r\nSubject: caído\r\n\r\nservidor caído desde las 9\r\n')
expect_eq "$(field priority 'caído')" "urgent"
expect_code 0 deliver_to "$S" < <(mail "a@plain.example" "nothing special")
expect_eq "$(field priority 'nothing special')" "normal"

begin "ends-with and is-not-empty (Match=all): set-customer, and email-address mails the list"
expect_code 0 deliver_to "$S" < <(mail "Vera VIP <vera@sales.vip.example>" "VIP question")
expect_eq "$(sql "$S" "select cu.name, t.priority from tickets t join customers cu on cu.id=t.customer_id where t.title='VIP question'")" "VIP|high"
expect_eq "$(sent_to oncall@helpdesk.example)" "1"
expect_eq "$(sent_to boss@helpdesk.example)" "1"
check grep -q "^Subject: New VIP ticket" $(grep -l "^To: .*oncall@" "$S"/sent/new/*)
expect_code 0 deliver_to "$S" < <(mail "vera2@sales.vip.example" "VIP without a name")
expect_eq "$(field priority 'VIP without a name')" "normal"

begin "set-status and stop: later rules do not run, except IgnoreFlow ones"
expect_code 0 deliver --config "$C" --recipient soporte@helpdesk.example < <(mail "n@news.example" "Newsletter November")
expect_eq "$(field status 'Newsletter November')" "closed"
# 40-after-stop would have set pending; 50-ignoreflow ran despite the stop
expect_eq "$(field priority 'Newsletter November')" "low"

begin "without a stop, the first rule to set the status wins; IgnoreFlow overrides priority"
expect_code 0 deliver --config "$C" --recipient soporte@helpdesk.example < <(mail "x@plain.example" "URGENTE again")
expect_eq "$(field status 'URGENTE again')" "pending"
expect_eq "$(field priority 'URGENTE again')" "low"

begin "an inactive rule never fires"
printf 'From: e@plain.example\r\nSubject:\r\n\r\nx\r\n' | deliver_to "$S"
expect_eq "$(sql "$S" "select status from tickets where requester='e@plain.example'")" "pending"

begin "requester-responded fires on a reply and reads the ticket's status"
t=$(sql "$S" "select id from tickets where title='URGENTE again'")
expect_code 0 deliver_to "$S" < <(mail "x@plain.example" "Re: [#$t] more")
expect_eq "$(sql "$S" "select status from tickets where id=$t")" "open"

begin "rule test explains a condition that failed"
mail "vera2@sales.vip.example" "hello" > "$TMP/rt"
expect_code 0 portero --config "$C" rule test "$TMP/rt"
check grep -q "20-vip.rule (VIP domain): not fired: condition \"n\" failed: requester-name \"\" is-not-empty" "$TMP/last.out"
check grep -q "60-inactive.rule (Switched off): not fired: inactive" "$TMP/last.out"

begin "rule list shows the rules in order"
expect_code 0 portero --config "$C" rule list
expect_eq "$(awk 'NR>1 {print $1}' "$TMP/last.out" | tr '\n' ' ')" "10-urgent.rule 20-vip.rule 30-stop.rule 40-after-stop.rule 50-ignoreflow.rule 60-inactive.rule 70-responded.rule "

begin "a broken rule file is skipped at delivery; the mail is still stored"
printf '[Rule]\nName=broken\nTrigger=ticket-created\n[Condition x]\nProperty=colour\nOperator=equals\nValue=x\n[Action a]\nType=stop\n' > "$R/05-broken.rule"
expect_code 0 deliver_to "$S" < <(mail "b@plain.example" "URGENTE with a broken rule")
expect_eq "$(field priority 'URGENTE with a broken rule')" "urgent"
check grep -q "rule skipped: .*05-broken.rule:5: unknown property \"colour\"" "$TMP/last.err"
rm "$R/05-broken.rule"

begin "portero check names FILE:LINE for each kind of mistake"
B=$TMP/bad
mkdir -p "$B/rules" "$B/templates"
cp "$PORTERO_SRCDIR"/templates/* "$B/templates/"
printf '[Rule]\nName=p\nTrigger=ticket-created\n\n[Condition x]\nProperty=colour\nOperator=equals\nValue=x\n[Action a]\nType=stop\n' > "$B/rules/a.rule"
printf '[Rule]\nName=o\nTrigger=ticket-created\n[Condition x]\nProperty=title\nOperator=resembles\nValue=x\n[Action a]\nType=stop\n' > "$B/rules/b.rule"
printf '[Rule]\nName=a\nTrigger=ticket-created\n[Action a]\nType=launch-rocket\n' > "$B/rules/c.rule"
printf '[Rule]\nName=t\nTrigger=ticket-created\n[Action a]\nType=email-contact\nTemplate=no-such-template\n' > "$B/rules/d.rule"
printf '[Rule]\nName=r\nTrigger=ticket-created\n[Condition x]\nProperty=title\nOperator=matches\nValue=([unclosed\n[Action a]\nType=stop\n' > "$B/rules/e.rule"
printf '[Rule]\nName=g\nTrigger=when-pigs-fly\n[Action a]\nType=stop\n' > "$B/rules/f.rule"
printf 'Subject: hi {[Contact Name]}\n\nHello {[Favourite Colour]}\n' > "$B/templates/bad.tmpl"
sed "s|^rules=.*|rules=$B/rules|; s|^templates=.*|templates=$B/templates|" "$C" > "$B/portero.conf"
sed -i "s|^database=portero\.db$|database=$S/portero.db|" "$B/portero.conf"
expect_code 1 portero --config "$B/portero.conf" check
check grep -q "^$B/rules/a.rule:6: unknown property \"colour\"" "$TMP/last.err"
check grep -q "^$B/rules/b.rule:6: unknown operator \"resembles\"" "$TMP/last.err"
check grep -q "^$B/rules/c.rule:5: unknown action \"launch-rocket\"" "$TMP/last.err"
check grep -q "^$B/rules/d.rule:[0-9]*: template \"no-such-template\"" "$TMP/last.err"
check grep -q "^$B/rules/e.rule:7: bad regular expression" "$TMP/last.err"
check grep -q "^$B/rules/f.rule:3: unknown trigger \"when-pigs-fly\"" "$TMP/last.err"
check grep -q "^$B/templates/bad.tmpl:3: unknown snippet \"{\[Favourite Colour\]}\"" "$TMP/last.err"
check grep -q "problems in rules and templates" "$TMP/last.err"

begin "snippet names work in Spanish, English and IT mode, any case"
printf 'Subject: {[título del ticket]}\n\n{[NOMBRE DEL SITIO]} {[Site Name]} {[ticket id]}\n' > "$B/templates/ok.tmpl"
rm "$B"/rules/*.rule "$B/templates/bad.tmpl"
expect_code 0 portero --config "$B/portero.conf" check

test_done
