package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// rawDecode streams a logical slot with pglogrepl and decodes every pgoutput message, down to the
// column values of each insert, until it has seen n inserts: the rate at which Go can read the WAL
// with nothing else to do, the ceiling of any stream delivery. It returns the time taken.
func rawDecode(ctx context.Context, dbURL, slot, publication string, n int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		return 0, err
	}
	cfg.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("replication connection: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	if err := pglogrepl.StartReplication(ctx, conn, slot, 0, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '2'", fmt.Sprintf("publication_names '%s'", publication), "streaming 'on'"},
	}); err != nil {
		return 0, fmt.Errorf("starting replication: %w", err)
	}
	relations := map[uint32]*pglogrepl.RelationMessageV2{}
	inserts, inStream, bytes := 0, false, 0
	for inserts < n {
		raw, err := conn.ReceiveMessage(ctx)
		if err != nil {
			return 0, fmt.Errorf("after %d of %d inserts: %w", inserts, n, err)
		}
		switch m := raw.(type) {
		case *pgproto3.ErrorResponse:
			return 0, fmt.Errorf("replication: %s", m.Message)
		case *pgproto3.CopyData:
			if len(m.Data) == 0 || m.Data[0] != pglogrepl.XLogDataByteID {
				continue
			}
			xld, err := pglogrepl.ParseXLogData(m.Data[1:])
			if err != nil {
				return 0, err
			}
			msg, err := pglogrepl.ParseV2(xld.WALData, inStream)
			if err != nil {
				return 0, fmt.Errorf("decoding pgoutput: %w", err)
			}
			switch msg := msg.(type) {
			case *pglogrepl.RelationMessageV2:
				relations[msg.RelationID] = msg
			case *pglogrepl.InsertMessageV2:
				rel := relations[msg.RelationID]
				if rel == nil || msg.Tuple == nil {
					return 0, fmt.Errorf("insert into unknown relation %d", msg.RelationID)
				}
				for i, col := range msg.Tuple.Columns {
					if i < len(rel.Columns) && col.DataType == pglogrepl.TupleDataTypeText {
						bytes += len(string(col.Data)) // a copy, as a reader keeping the value makes
					}
				}
				inserts++
			case *pglogrepl.StreamStartMessageV2:
				inStream = true
			case *pglogrepl.StreamStopMessageV2:
				inStream = false
			}
		}
	}
	if bytes == 0 {
		return 0, fmt.Errorf("decoded %d inserts without column data", inserts)
	}
	return time.Since(start), nil
}
