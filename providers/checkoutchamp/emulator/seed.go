package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson"}
	cities     = []string{"Austin", "Boston", "Denver", "Miami", "Seattle"}
)

func (s *Server) pick(from []string) string { return from[s.rng.IntN(len(from))] }

func (s *Server) genCustomer() map[string]any {
	first, last := s.pick(firstNames), s.pick(lastNames)
	return map[string]any{
		"firstName": first, "lastName": last,
		"emailAddress": fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), s.rng.IntN(1e6)),
		"phoneNumber":  fmt.Sprintf("512555%04d", s.rng.IntN(10000)), "address1": fmt.Sprintf("%d Main St", 1+s.rng.IntN(999)),
		"city": s.pick(cities), "state": "TX", "postalCode": fmt.Sprintf("7%04d", s.rng.IntN(10000)), "country": "US",
		"campaignId": 1 + s.rng.IntN(5), "notes": "",
	}
}

// customerID returns the newest customer's id, or 0; the caller holds s.mu.
func (s *Server) customerID() any {
	if cs := s.store["customer"]; len(cs) > 0 {
		return cs[s.rng.IntN(len(cs))]["customerId"]
	}
	return 0
}

func (s *Server) genOrder() map[string]any {
	price := 19.95 + float64(s.rng.IntN(8000))/100
	return map[string]any{
		"customerId": s.customerID(), "orderStatus": "COMPLETE", "orderType": "NEW_SALE", "campaignId": 1 + s.rng.IntN(5),
		"price": strconv.FormatFloat(price, 'f', 2, 64), "shipping": "4.95", "salesTax": "0.00",
		"totalAmount": strconv.FormatFloat(price+4.95, 'f', 2, 64), "currencySymbol": "$", "currencyCode": "USD",
		"paySource": "CREDITCARD", "cardType": "VISA", "cardLast4": fmt.Sprintf("%04d", s.rng.IntN(10000)),
	}
}

// orderID returns a random order's id, or ""; the caller holds s.mu.
func (s *Server) orderID() any {
	if os := s.store["order"]; len(os) > 0 {
		return os[s.rng.IntN(len(os))]["orderId"]
	}
	return ""
}

func (s *Server) genTransaction() map[string]any {
	return map[string]any{
		"orderId": s.orderID(), "customerId": s.customerID(), "txnType": "SALE", "responseType": "SUCCESS",
		"responseText": "Approved", "totalAmount": strconv.FormatFloat(10+float64(s.rng.IntN(9000))/100, 'f', 2, 64),
		"merchantId": 1 + s.rng.IntN(3), "merchantTxnId": fmt.Sprintf("ch_%012d", s.rng.IntN(1e12)), "isChargedback": 0,
	}
}

// change returns a typical update of a kind.
func (s *Server) change(kind string) map[string]any {
	switch kind {
	case "customer":
		return map[string]any{"notes": "note " + strconv.Itoa(s.rng.IntN(1e6))}
	case "order":
		return map[string]any{"orderStatus": s.pick([]string{"REFUNDED", "CANCELLED", "COMPLETE"}), "fulfillmentStatus": "SHIPPED " + strconv.Itoa(s.rng.IntN(1e6))}
	}
	return map[string]any{"responseType": "SUCCESS", "isChargedback": 1, "chargebackNote": strconv.Itoa(s.rng.IntN(1e6))}
}

// seed creates n customers, orders and transactions stamped over the past month, so that they
// precede any checkpoint, and updates a third of them.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.now().Add(-30 * 24 * time.Hour)
	for ki, kind := range Kinds {
		for i := range n {
			at := start.Add(time.Duration(ki)*time.Hour + time.Duration(i)*time.Minute)
			rec := s.insert(kind, nil, at)
			if i%3 == 0 {
				s.modify(rec, s.change(kind), at.Add(time.Duration(1+s.rng.IntN(600))*time.Second))
			}
		}
	}
}
