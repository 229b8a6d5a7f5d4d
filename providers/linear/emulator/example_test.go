package emulator_test

import (
	"fmt"
	"time"

	"github.com/sequinsync/sequin/providers/linear/emulator"
)

// An emulator answers the GraphQL a sync sends, in process or over HTTP at POST /graphql, with Linear's
// connection shapes.
func ExampleServer_Query() {
	srv := emulator.New(emulator.Config{Seed: 3, Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }})
	body, err := srv.Query(`query Teams($first: Int!) { teams(first: $first) { nodes { key name } pageInfo { hasNextPage } } }`,
		map[string]any{"first": 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(body))
	// Output:
	// {"data":{"teams":{"nodes":[{"key":"ENG","name":"Engineering"},{"key":"DES","name":"Design"}],"pageInfo":{"hasNextPage":true}}}}
}
