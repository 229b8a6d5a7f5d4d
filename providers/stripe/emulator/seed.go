package emulator

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Collection indexes in seeding order (the order of specs).
const (
	cCustomer = iota
	cProduct
	cPrice
	cCoupon
	cSubscription
	cInvoice
	cPaymentIntent
	cCharge
	cBalanceTxn
	cRefund
	cDispute
	cPayout
	numSeeded
	cEvent    = 100
	cItem     = 101
	cLine     = 102
	cMethod   = 103
	cPayoutTx = 104
)

// prng is a small splitmix64 generator; each seeded object gets its own, so generation is
// deterministic, independent of order, and parallel.
type prng struct{ s uint64 }

func (p *prng) next() uint64 {
	p.s += 0x9e3779b97f4a7c15
	z := p.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (p *prng) intn(n int) int         { return int(p.next() % uint64(n)) }
func (p *prng) chance(pct int) bool    { return p.intn(100) < pct }
func (p *prng) pick(l []string) string { return l[p.intn(len(l))] }
func (p *prng) between(lo, hi int64) int64 {
	return lo + int64(p.next()%uint64(hi-lo+1))
}

func (p *prng) chars(n int, set string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[p.intn(len(set))]
	}
	return string(b)
}

// seeder generates the initial objects of the default account.
type seeder struct {
	base  uint64
	n     int
	now   int64
	times []int64
}

func newSeeder(seed int64, n int, now int64) *seeder {
	g := &seeder{base: uint64(seed), n: n, now: now, times: make([]int64, n)}
	const span = 180 * 86400
	start := now - span - 3600
	r := g.rng(-1, 0)
	for i := range g.times {
		g.times[i] = start + int64(i)*span/int64(max(n, 1))
		if i > 0 && r.chance(12) {
			g.times[i] = g.times[i-1] // equal created times happen in Stripe too
		}
	}
	return g
}

func (g *seeder) rng(coll, i int) *prng {
	p := &prng{s: g.base*0x2545f4914f6cdd1d ^ uint64(coll+7)<<40 ^ uint64(i)}
	p.next()
	return p
}

var idPrefixes = map[int]string{cCustomer: "cus", cProduct: "prod", cPrice: "price", cSubscription: "sub",
	cInvoice: "in", cPaymentIntent: "pi", cCharge: "ch", cBalanceTxn: "txn", cRefund: "re", cDispute: "dp",
	cPayout: "po", cEvent: "evt", cItem: "si", cLine: "il", cMethod: "pm", cPayoutTx: "txn"}

func (g *seeder) id(coll, i int) string {
	r := g.rng(coll+1000, i)
	if coll == cCoupon {
		return r.chars(8, alphabet[:36])
	}
	return idPrefixes[coll] + "_" + r.chars(24, alphabet)
}

func (g *seeder) created(coll, i int) int64 { return g.times[i] + int64(coll)*7 }

// Derived relations between seeded objects, computable from any side.

func (g *seeder) subCustomer(i int) int {
	r := g.rng(cSubscription+200, i)
	return i - r.intn(min(i+1, 40))
}

func (g *seeder) priceAmount(k int) int64 {
	amounts := []int64{500, 900, 1200, 1500, 2000, 2900, 4900, 9900, 19900, 49900}
	return amounts[g.rng(cPrice+200, k).intn(len(amounts))]
}

func (g *seeder) priceRecurring(k int) (interval string, ok bool) {
	r := g.rng(cPrice+300, k)
	if r.chance(25) {
		return "", false
	}
	if r.chance(70) {
		return "month", true
	}
	return "year", true
}

// subPrice returns the index of the (recurring) price of subscription i.
func (g *seeder) subPrice(i int) int {
	k := g.rng(cSubscription+300, i).intn(g.n)
	for j := 0; j < 8; j++ {
		if _, ok := g.priceRecurring((k + j) % g.n); ok {
			return (k + j) % g.n
		}
	}
	return k
}

func (g *seeder) subQuantity(i int) int64 {
	r := g.rng(cSubscription+400, i)
	if r.chance(80) {
		return 1
	}
	return r.between(2, 25)
}

func (g *seeder) invoiceAmount(i int) int64 { return g.priceAmount(g.subPrice(i)) * g.subQuantity(i) }

func (g *seeder) refundAmount(i int) int64 {
	a := g.invoiceAmount(i)
	return max(a*int64(g.rng(cRefund+200, i).between(10, 50))/100, 1)
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John",
		"Katherine", "Edsger", "Radia", "Tim", "Sophie", "Hedy", "Donald", "Shafi", "Leslie", "Joan", "Niklaus", "Anita"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
		"McCarthy", "Johnson", "Dijkstra", "Perlman", "Berners-Lee", "Wilson", "Lamarr", "Knuth", "Goldwasser", "Lamport",
		"Clarke", "Wirth", "Borg"}
	cities = []struct{ city, state, zip string }{{"San Francisco", "CA", "94107"}, {"New York", "NY", "10013"},
		{"Austin", "TX", "78701"}, {"Seattle", "WA", "98101"}, {"Chicago", "IL", "60607"}, {"Boston", "MA", "02110"},
		{"Denver", "CO", "80202"}, {"Portland", "OR", "97205"}, {"Miami", "FL", "33131"}, {"Atlanta", "GA", "30303"}}
	streets      = []string{"Market St", "Main St", "Broadway", "Oak Ave", "Pine St", "2nd Ave", "Mission St", "Elm St"}
	adjectives   = []string{"Premium", "Basic", "Pro", "Enterprise", "Starter", "Growth", "Team", "Ultimate", "Essential", "Plus"}
	nouns        = []string{"Analytics", "Storage", "Seats", "Support", "Hosting", "Backups", "Compute", "Insights", "Sync", "API Access"}
	tiers        = []string{"bronze", "silver", "gold", "platinum"}
	sources      = []string{"organic", "referral", "paid_search", "partner", "sales"}
	brands       = []string{"visa", "mastercard", "amex", "discover"}
	upperAlnum   = alphabet[:36]
	disputeWhy   = []string{"fraudulent", "product_not_received", "duplicate", "subscription_canceled", "unrecognized", "general"}
	disputeState = []string{"needs_response", "under_review", "won", "lost", "warning_needs_response", "warning_closed"}
)

func (g *seeder) customerName(j int) (first, last string) {
	r := g.rng(cCustomer+200, j)
	return r.pick(firstNames), r.pick(lastNames)
}

func (g *seeder) customerEmail(j int) string {
	first, last := g.customerName(j)
	return fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "-", "")), j)
}

func (g *seeder) address(r *prng) map[string]any {
	c := cities[r.intn(len(cities))]
	line2 := any(nil)
	if r.chance(30) {
		line2 = fmt.Sprintf("Suite %d", r.between(100, 999))
	}
	return map[string]any{"city": c.city, "country": "US", "line1": fmt.Sprintf("%d %s", r.between(1, 9999), r.pick(streets)),
		"line2": line2, "postal_code": c.zip, "state": c.state}
}

func (g *seeder) customer(i int) map[string]any {
	r := g.rng(cCustomer, i)
	first, last := g.customerName(i)
	m := blankCustomer(g.id(cCustomer, i), g.created(cCustomer, i), r.chars(8, upperAlnum))
	m["name"] = first + " " + last
	m["email"] = g.customerEmail(i)
	m["phone"] = fmt.Sprintf("+1555%07d", r.between(0, 9999999))
	m["address"] = g.address(r)
	m["description"] = fmt.Sprintf("Customer since %s", time.Unix(g.created(cCustomer, i), 0).UTC().Format("January 2006"))
	m["currency"] = "usd"
	m["preferred_locales"] = []any{"en"}
	m["metadata"] = map[string]any{"tier": r.pick(tiers), "signup_source": r.pick(sources), "account_id": fmt.Sprintf("acc_%06d", i)}
	if r.chance(40) {
		m["shipping"] = map[string]any{"address": g.address(r), "name": first + " " + last, "phone": m["phone"]}
	}
	if r.chance(5) {
		m["delinquent"] = true
		m["balance"] = r.between(100, 5000)
	}
	m["invoice_settings"].(map[string]any)["default_payment_method"] = g.id(cMethod, i)
	m["next_invoice_sequence"] = r.between(2, 40)
	return m
}

func (g *seeder) product(i int) map[string]any {
	r := g.rng(cProduct, i)
	m := blankProduct(g.id(cProduct, i), g.created(cProduct, i))
	name := r.pick(adjectives) + " " + r.pick(nouns)
	m["name"] = name
	m["description"] = fmt.Sprintf("%s plan, billed through Stripe.", name)
	m["active"] = g.productActive(i)
	m["default_price"] = g.id(cPrice, i)
	m["images"] = []any{fmt.Sprintf("https://files.example.com/products/%d.png", i)}
	m["marketing_features"] = []any{map[string]any{"name": "Unlimited " + strings.ToLower(r.pick(nouns))}}
	m["statement_descriptor"] = "SEQUIN"
	m["unit_label"] = "seat"
	m["tax_code"] = "txcd_10103001"
	m["metadata"] = map[string]any{"sku": fmt.Sprintf("SKU-%05d", i), "family": r.pick(nouns)}
	return m
}

func (g *seeder) price(k int) map[string]any {
	r := g.rng(cPrice, k)
	m := blankPrice(g.id(cPrice, k), g.created(cPrice, k))
	amount := g.priceAmount(k)
	m["currency"] = "usd"
	m["product"] = g.id(cProduct, k)
	m["unit_amount"] = amount
	m["unit_amount_decimal"] = itoa(amount)
	m["active"] = g.priceActive(k)
	if iv, ok := g.priceRecurring(k); ok {
		m["type"] = "recurring"
		m["recurring"] = recurring(iv, 1)
		m["nickname"] = fmt.Sprintf("%s %sly", r.pick(adjectives), iv)
	} else {
		m["nickname"] = "One-time " + strings.ToLower(r.pick(nouns))
	}
	m["lookup_key"] = fmt.Sprintf("price_%d", k)
	m["tax_behavior"] = r.pick([]string{"exclusive", "inclusive", "unspecified"})
	m["metadata"] = map[string]any{"plan_code": fmt.Sprintf("P%04d", k%10000)}
	return m
}

func (g *seeder) coupon(i int) map[string]any {
	r := g.rng(cCoupon, i)
	m := blankCoupon(g.id(cCoupon, i), g.created(cCoupon, i))
	if r.chance(60) {
		pct := []float64{5, 10, 15, 20, 25, 50, 12.5}[r.intn(7)]
		m["percent_off"] = pct
		m["name"] = fmt.Sprintf("%g%% off", pct)
	} else {
		amt := r.between(1, 50) * 100
		m["amount_off"] = amt
		m["currency"] = "usd"
		m["name"] = fmt.Sprintf("$%d off", amt/100)
	}
	m["duration"] = r.pick([]string{"once", "forever", "repeating"})
	if m["duration"] == "repeating" {
		m["duration_in_months"] = r.between(1, 12)
	}
	if r.chance(30) {
		m["max_redemptions"] = r.between(10, 1000)
	}
	m["times_redeemed"] = r.between(0, 9)
	m["metadata"] = map[string]any{"campaign": r.pick([]string{"spring", "summer", "black_friday", "launch", "partner"})}
	return m
}

func (g *seeder) subscription(i int) map[string]any {
	r := g.rng(cSubscription, i)
	created := g.created(cSubscription, i)
	id := g.id(cSubscription, i)
	m := blankSubscription(id, created)
	k := g.subPrice(i)
	price := g.price(k)
	iv := "month"
	if rc, ok := price["recurring"].(map[string]any); ok {
		iv = str(rc["interval"])
	}
	step := 1
	if iv == "year" {
		step = 12
	}
	start := created
	for n := 1; ; n++ {
		next := addMonths(created, n*step)
		if next > g.now {
			break
		}
		start = next
	}
	m["customer"] = g.id(cCustomer, g.subCustomer(i))
	m["current_period_start"] = start
	m["current_period_end"] = addMonths(start, step)
	m["billing_cycle_anchor"] = created
	m["latest_invoice"] = g.id(cInvoice, i)
	m["default_payment_method"] = g.id(cMethod, g.subCustomer(i))
	q := g.subQuantity(i)
	setItems(m, []any{subscriptionItem(g.id(cItem, i), id, created, price, q)})
	m["metadata"] = map[string]any{"plan": str(price["nickname"])}
	switch status, variant := g.subStatus(i); {
	case status == "canceled":
		end := min(created+r.between(30, 150)*86400, g.now-3600)
		m["status"] = "canceled"
		m["canceled_at"] = end
		m["ended_at"] = end
		m["cancellation_details"] = map[string]any{"comment": nil, "feedback": r.pick([]string{"too_expensive", "unused", "switched_service"}), "reason": "cancellation_requested"}
	case status == "past_due":
		m["status"] = "past_due"
	case variant == 1:
		m["cancel_at_period_end"] = true
		m["cancel_at"] = m["current_period_end"]
		m["canceled_at"] = start
	case status == "trialing":
		m["status"] = "trialing"
		m["trial_start"] = created
		m["trial_end"] = created + 14*86400
	}
	return m
}

func (g *seeder) invoice(i int) map[string]any {
	r := g.rng(cInvoice, i)
	created := g.created(cInvoice, i)
	id := g.id(cInvoice, i)
	m := blankInvoice(id, created)
	j := g.subCustomer(i)
	first, last := g.customerName(j)
	k := g.subPrice(i)
	q := g.subQuantity(i)
	amount := g.invoiceAmount(i)
	m["customer"] = g.id(cCustomer, j)
	m["customer_email"] = g.customerEmail(j)
	m["customer_name"] = first + " " + last
	m["subscription"] = g.id(cSubscription, i)
	m["billing_reason"] = "subscription_create"
	m["amount_due"] = amount
	m["subtotal"] = amount
	m["total"] = amount
	m["period_start"] = created
	m["period_end"] = addMonths(created, 1)
	m["auto_advance"] = true
	list := m["lines"].(map[string]any)
	list["data"] = []any{invoiceLine(g.id(cLine, i), id, g.id(cSubscription, i), g.price(k), amount, q, created, addMonths(created, 1))}
	list["total_count"] = int64(1)
	st := m["status_transitions"].(map[string]any)
	status := g.invoiceStatus(i)
	m["status"] = status
	if status != "draft" {
		m["number"] = fmt.Sprintf("%s-%04d", r.chars(8, upperAlnum), r.between(1, 200))
		m["hosted_invoice_url"] = "https://invoice.stripe.com/i/" + id
		m["invoice_pdf"] = "https://pay.stripe.com/invoice/" + id + "/pdf"
		m["effective_at"] = created + 3600
		m["ending_balance"] = int64(0)
		m["payment_intent"] = g.id(cPaymentIntent, i)
		st["finalized_at"] = created + 3600
		m["webhooks_delivered_at"] = created + 3600
		m["attempted"] = true
		m["attempt_count"] = int64(1)
	}
	switch status {
	case "paid":
		m["paid"] = true
		m["amount_paid"] = amount
		m["charge"] = g.id(cCharge, i)
		st["paid_at"] = created + 3600
	case "open":
		m["amount_remaining"] = amount
		m["next_payment_attempt"] = g.now + r.between(3600, 5*86400)
	case "void":
		st["voided_at"] = created + 7200
	case "uncollectible":
		m["amount_remaining"] = amount
		st["marked_uncollectible_at"] = created + 86400
	}
	m["metadata"] = map[string]any{"order_id": fmt.Sprintf("ord_%07d", i)}
	return m
}

func (g *seeder) paymentIntent(i int) map[string]any {
	r := g.rng(cPaymentIntent, i)
	created := g.created(cPaymentIntent, i)
	id := g.id(cPaymentIntent, i)
	m := blankPaymentIntent(id, created, r.chars(25, alphabet))
	amount := g.invoiceAmount(i)
	m["amount"] = amount
	m["amount_received"] = amount
	m["customer"] = g.id(cCustomer, g.subCustomer(i))
	m["invoice"] = g.id(cInvoice, i)
	m["latest_charge"] = g.id(cCharge, i)
	m["payment_method"] = g.id(cMethod, g.subCustomer(i))
	m["description"] = "Subscription update"
	m["status"] = "succeeded"
	m["setup_future_usage"] = "off_session"
	return m
}

func (g *seeder) charge(i int) map[string]any {
	r := g.rng(cCharge, i)
	created := g.created(cCharge, i)
	m := blankCharge(g.id(cCharge, i), created)
	j := g.subCustomer(i)
	first, last := g.customerName(j)
	amount := g.invoiceAmount(i)
	refunded := g.refundAmount(i)
	m["amount"] = amount
	m["amount_captured"] = amount
	m["amount_refunded"] = refunded
	m["refunded"] = refunded >= amount
	m["disputed"] = true
	m["balance_transaction"] = g.id(cBalanceTxn, i)
	m["customer"] = g.id(cCustomer, j)
	m["invoice"] = g.id(cInvoice, i)
	m["payment_intent"] = g.id(cPaymentIntent, i)
	m["payment_method"] = g.id(cMethod, j)
	m["description"] = "Subscription update"
	m["receipt_email"] = g.customerEmail(j)
	bd := m["billing_details"].(map[string]any)
	bd["email"] = g.customerEmail(j)
	bd["name"] = first + " " + last
	bd["address"] = g.address(r)
	brand := r.pick(brands)
	pmd := m["payment_method_details"].(map[string]any)
	pmd["card"] = card(brand, fmt.Sprintf("%04d", r.between(0, 9999)), r.between(1, 12), r.between(2026, 2034), r.chars(16, alphabet))
	m["outcome"].(map[string]any)["risk_score"] = r.between(0, 80)
	return m
}

func (g *seeder) balanceTxn(i int) map[string]any {
	created := g.created(cBalanceTxn, i)
	m := blankBalanceTransaction(g.id(cBalanceTxn, i), created)
	amount := g.invoiceAmount(i)
	fee := stripeFee(amount)
	m["amount"] = amount
	m["fee"] = fee
	m["net"] = amount - fee
	m["fee_details"] = feeDetails(fee, "usd")
	m["source"] = g.id(cCharge, i)
	m["description"] = "Subscription update"
	if m["available_on"].(int64) < g.now {
		m["status"] = "available"
	}
	return m
}

func (g *seeder) refund(i int) map[string]any {
	r := g.rng(cRefund, i)
	m := blankRefund(g.id(cRefund, i), g.created(cRefund, i))
	m["amount"] = g.refundAmount(i)
	m["charge"] = g.id(cCharge, i)
	m["payment_intent"] = g.id(cPaymentIntent, i)
	m["balance_transaction"] = "txn_" + r.chars(24, alphabet)
	m["reason"] = r.pick([]string{"requested_by_customer", "duplicate", "fraudulent"})
	m["destination_details"].(map[string]any)["card"].(map[string]any)["reference_status"] = "available"
	m["destination_details"].(map[string]any)["card"].(map[string]any)["reference"] = r.chars(23, "0123456789")
	return m
}

func (g *seeder) dispute(i int) map[string]any {
	r := g.rng(cDispute, i)
	created := g.created(cDispute, i)
	m := blankDispute(g.id(cDispute, i), created)
	j := g.subCustomer(i)
	first, last := g.customerName(j)
	m["amount"] = g.invoiceAmount(i)
	m["charge"] = g.id(cCharge, i)
	m["payment_intent"] = g.id(cPaymentIntent, i)
	m["reason"] = r.pick(disputeWhy)
	m["status"] = r.pick(disputeState)
	ev := m["evidence"].(map[string]any)
	ev["customer_email_address"] = g.customerEmail(j)
	ev["customer_name"] = first + " " + last
	ev["product_description"] = "Subscription"
	if m["status"] != "needs_response" && m["status"] != "warning_needs_response" {
		ed := m["evidence_details"].(map[string]any)
		ed["has_evidence"] = true
		ed["submission_count"] = int64(1)
	}
	return m
}

func (g *seeder) payout(i int) map[string]any {
	r := g.rng(cPayout, i)
	created := g.created(cPayout, i)
	m := blankPayout(g.id(cPayout, i), created)
	m["amount"] = r.between(1000, 2500000)
	m["automatic"] = true
	m["balance_transaction"] = g.id(cPayoutTx, i)
	m["description"] = "STRIPE PAYOUT"
	m["reconciliation_status"] = "completed"
	m["status"] = g.payoutStatus(i)
	return m
}

// The fields lists filter on are drawn from dedicated streams, so that filter values can be computed
// without generating the whole object.

func (g *seeder) productActive(i int) bool { return !g.rng(cProduct+500, i).chance(10) }

func (g *seeder) priceActive(k int) bool { return !g.rng(cPrice+500, k).chance(8) }

// subStatus returns a subscription's status, and variant 1 for active ones set to cancel at period end.
func (g *seeder) subStatus(i int) (string, int) {
	switch x := g.rng(cSubscription+500, i).intn(100); {
	case x < 6:
		return "canceled", 0
	case x < 10:
		return "past_due", 0
	case x < 14:
		return "active", 1
	case x < 18 && g.now-g.created(cSubscription, i) < 14*86400:
		return "trialing", 0
	}
	return "active", 0
}

func (g *seeder) invoiceStatus(i int) string {
	switch x := g.rng(cInvoice+500, i).intn(100); {
	case x < 3:
		return "draft"
	case x < 10:
		return "open"
	case x < 13:
		return "void"
	case x < 15:
		return "uncollectible"
	}
	return "paid"
}

func (g *seeder) payoutStatus(i int) string {
	if g.created(cPayout, i)+2*86400 <= g.now {
		return "paid"
	}
	return "in_transit"
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// vals returns the filter values of seeded object i of collection c, as extractVals would from the
// generated object.
func (g *seeder) vals(c, i int) []string {
	switch c {
	case cCustomer:
		return []string{g.customerEmail(i)}
	case cProduct:
		return []string{boolString(g.productActive(i)), "", "", "service"}
	case cPrice:
		typ := "one_time"
		if _, ok := g.priceRecurring(i); ok {
			typ = "recurring"
		}
		return []string{boolString(g.priceActive(i)), "usd", g.id(cProduct, i), typ, fmt.Sprintf("price_%d", i)}
	case cSubscription:
		status, _ := g.subStatus(i)
		return []string{g.id(cCustomer, g.subCustomer(i)), status, "charge_automatically", g.id(cPrice, g.subPrice(i))}
	case cInvoice:
		return []string{g.id(cCustomer, g.subCustomer(i)), g.id(cSubscription, i), g.invoiceStatus(i), "charge_automatically"}
	case cPaymentIntent:
		return []string{g.id(cCustomer, g.subCustomer(i))}
	case cCharge:
		return []string{g.id(cCustomer, g.subCustomer(i)), g.id(cPaymentIntent, i), ""}
	case cBalanceTxn:
		return []string{g.id(cCharge, i), "charge", "usd"}
	case cRefund, cDispute:
		return []string{g.id(cCharge, i), g.id(cPaymentIntent, i)}
	case cPayout:
		return []string{"ba_1EmulatorBankAcct0000000", g.payoutStatus(i)}
	}
	return nil
}

func (g *seeder) generate(coll, i int) map[string]any {
	switch coll {
	case cCustomer:
		return g.customer(i)
	case cProduct:
		return g.product(i)
	case cPrice:
		return g.price(i)
	case cCoupon:
		return g.coupon(i)
	case cSubscription:
		return g.subscription(i)
	case cInvoice:
		return g.invoice(i)
	case cPaymentIntent:
		return g.paymentIntent(i)
	case cCharge:
		return g.charge(i)
	case cBalanceTxn:
		return g.balanceTxn(i)
	case cRefund:
		return g.refund(i)
	case cDispute:
		return g.dispute(i)
	default:
		return g.payout(i)
	}
}

type seededColl struct {
	recs   []*record
	events []*event
}

// seed fills the account with n objects per collection and, unless skipped, their creation events.
func (g *seeder) seed(a *account, withEvents bool) {
	if g.n <= 0 {
		return
	}
	out := make([]seededColl, numSeeded)
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				out[c] = g.seedColl(c, withEvents)
			}
		}()
	}
	for c := 0; c < numSeeded; c++ {
		work <- c
	}
	close(work)
	wg.Wait()
	for c, spec := range specs {
		coll := newCollection(spec, g.n)
		for _, r := range out[c].recs {
			r.seq = a.nextSeq()
			coll.insert(r)
		}
		a.colls[spec.name] = coll
	}
	if !withEvents {
		return
	}
	var evs []*event
	for c := range out {
		evs = append(evs, out[c].events...)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].created < evs[j].created })
	a.events = newCollection(eventSpec, len(evs))
	for _, ev := range evs {
		a.events.insert(&record{id: ev.id, seq: a.nextSeq(), created: ev.created, ev: ev})
	}
}

func (g *seeder) seedColl(c int, withEvents bool) seededColl {
	spec := specs[c]
	sc := seededColl{recs: make([]*record, g.n)}
	refs := make([]seedRef, g.n)
	evType := ""
	if withEvents && spec.evCreated != nil {
		evType = spec.evCreated(map[string]any{})
		sc.events = make([]*event, g.n)
	}
	for i := 0; i < g.n; i++ {
		ref := &refs[i]
		ref.g, ref.coll, ref.index = g, int32(c), int32(i)
		created := g.created(c, i)
		sc.recs[i] = &record{id: g.id(c, i), created: created, vals: g.vals(c, i), seed: ref}
		if evType != "" {
			sc.events[i] = &event{id: g.id(cEvent, c*g.n+i), typ: evType, created: created, seed: ref}
		}
	}
	return sc
}
