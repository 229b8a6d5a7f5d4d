package emulator

import (
	"fmt"
	"time"
)

var (
	givenNames  = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia"}
	familyNames = []string{"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman"}
	accountKind = [][2]string{{"Income", "SalesOfProductIncome"}, {"Expense", "SuppliesMaterials"}, {"Bank", "Checking"}, {"Accounts Receivable", "AccountsReceivable"}}
)

// seed creates n objects of each entity, with timestamps in the past, one minute apart, so that a
// change feed started now reports none of them.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.cfg.Now().Add(-time.Duration(n+60) * time.Minute)
	for _, e := range entityKinds {
		for i := range n {
			at := stamp(start.Add(time.Duration(i) * time.Minute))
			data := s.sample(e, i+1, start)
			data["MetaData"] = map[string]any{"CreateTime": at, "LastUpdatedTime": at}
			if _, f := s.create(e, data); f != nil {
				panic(fmt.Sprintf("emulator: seeding %s: %v", e.name, f))
			}
		}
	}
}

// sample returns creation data for the i-th typical object of e; callers hold s.mu.
func (s *Server) sample(e entityKind, i int, now time.Time) map[string]any {
	given, family := givenNames[i%len(givenNames)], familyNames[(i/len(givenNames))%len(familyNames)]
	amount := float64(100+(i*37)%900) + 0.5
	switch e.name {
	case "Customer":
		return map[string]any{"DisplayName": fmt.Sprintf("%s %s %d", given, family, i), "GivenName": given, "FamilyName": family,
			"CompanyName": family + " Co", "PrimaryEmailAddr": map[string]any{"Address": fmt.Sprintf("%s.%d@example.com", given, i)},
			"PrimaryPhone": map[string]any{"FreeFormNumber": fmt.Sprintf("(555) 555-%04d", i%10000)},
			"BillAddr":     map[string]any{"Line1": fmt.Sprintf("%d Main St", i), "City": "Mountain View", "CountrySubDivisionCode": "CA", "PostalCode": "94043"},
			"Taxable":      i%2 == 0, "Job": false, "PrintOnCheckName": given + " " + family}
	case "Vendor":
		return map[string]any{"DisplayName": fmt.Sprintf("%s Supplies %d", family, i), "CompanyName": family + " Supplies",
			"PrimaryEmailAddr": map[string]any{"Address": fmt.Sprintf("ap.%d@example.com", i)}, "Vendor1099": i%5 == 0}
	case "Item":
		return map[string]any{"Name": fmt.Sprintf("Service %d", i), "Type": []string{"Service", "NonInventory"}[i%2], "UnitPrice": amount,
			"Taxable": false, "IncomeAccountRef": map[string]any{"value": s.firstActive("Account"), "name": "Sales"}}
	case "Account":
		k := accountKind[i%len(accountKind)]
		return map[string]any{"Name": fmt.Sprintf("%s %d", k[1], i), "AccountType": k[0], "AccountSubType": k[1],
			"Classification": map[string]string{"Income": "Revenue", "Expense": "Expense", "Bank": "Asset", "Accounts Receivable": "Asset"}[k[0]],
			"CurrentBalance": 0.0, "SubAccount": false}
	case "Invoice":
		return map[string]any{"CustomerRef": map[string]any{"value": s.firstActive("Customer")},
			"Line": []any{map[string]any{"Amount": amount, "DetailType": "SalesItemLineDetail",
				"SalesItemLineDetail": map[string]any{"ItemRef": map[string]any{"value": s.firstActive("Item")}, "Qty": 1.0, "UnitPrice": amount}}},
			"EmailStatus": "NotSet"}
	case "Payment":
		return map[string]any{"CustomerRef": map[string]any{"value": s.firstActive("Customer")}, "TotalAmt": amount}
	default: // Bill
		return map[string]any{"VendorRef": map[string]any{"value": s.firstActive("Vendor")},
			"Line": []any{map[string]any{"Amount": amount, "DetailType": "AccountBasedExpenseLineDetail",
				"AccountBasedExpenseLineDetail": map[string]any{"AccountRef": map[string]any{"value": s.firstActive("Account")}}}}}
	}
}
