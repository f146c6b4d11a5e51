package protocol

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/pewstats/collector/protocol/collectorpb"
)

// PluginName is the key of the processor in PluginMap.
const PluginName = "processor"

// Handshake keeps a person from running `collector child` as a plugin by
// accident and keeps parent and child on the same protocol version. Bump
// ProtocolVersion on any incompatible change to collector.proto.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "COLLECTOR_CHILD_COOKIE",
	MagicCookieValue: "pewstats-telemetry-processor-7d1f3c",
}

// IsPluginLaunch reports whether this process was started by a supervisor
// through go-plugin (the magic cookie is in the environment).
func IsPluginLaunch(getenv func(string) string) bool {
	return getenv(Handshake.MagicCookieKey) == Handshake.MagicCookieValue
}

// PluginMap returns the plugin set served by a child (impl non-nil) or
// dispensed by the parent (impl nil).
func PluginMap(impl Processor) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}

// GRPCPlugin glues Processor to go-plugin's gRPC transport.
type GRPCPlugin struct {
	plugin.Plugin
	Impl Processor
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the child's implementation.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProcessorServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns a Processor that calls the child.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &GRPCClient{client: pb.NewProcessorClient(c)}, nil
}

// GRPCClient is the parent's view of a child.
type GRPCClient struct {
	client pb.ProcessorClient
}

// Process sends a job and waits for its result; ctx bounds the call.
func (c *GRPCClient) Process(ctx context.Context, job *Job) (*Result, error) {
	resp, err := c.client.Process(ctx, &pb.Job{Body: job.Body, Attempt: int32(job.Attempt), JobId: job.ID})
	if err != nil {
		return nil, fmt.Errorf("child Process rpc: %w", err)
	}
	return resultFromPB(resp), nil
}

// Ping checks the child answers.
func (c *GRPCClient) Ping(ctx context.Context) error {
	if _, err := c.client.Ping(ctx, &pb.PingRequest{}); err != nil {
		return fmt.Errorf("child Ping rpc: %w", err)
	}
	return nil
}

type grpcServer struct {
	pb.UnimplementedProcessorServer
	impl Processor
}

func (s *grpcServer) Process(ctx context.Context, j *pb.Job) (*pb.Result, error) {
	res, err := s.impl.Process(ctx, &Job{Body: j.GetBody(), Attempt: int(j.GetAttempt()), ID: j.GetJobId()})
	if err != nil {
		return nil, err
	}
	return resultToPB(res), nil
}

func (s *grpcServer) Ping(ctx context.Context, _ *pb.PingRequest) (*pb.PingReply, error) {
	if err := s.impl.Ping(ctx); err != nil {
		return nil, err
	}
	return &pb.PingReply{}, nil
}

var outcomeToPB = map[Outcome]pb.Outcome{
	OutcomeSuccess:      pb.Outcome_OUTCOME_SUCCESS,
	OutcomeSkipped:      pb.Outcome_OUTCOME_SKIPPED,
	OutcomePermanent:    pb.Outcome_OUTCOME_PERMANENT_FAILURE,
	OutcomeTransient:    pb.Outcome_OUTCOME_TRANSIENT_FAILURE,
	OutcomeUnknownMatch: pb.Outcome_OUTCOME_UNKNOWN_MATCH,
}

func resultToPB(r *Result) *pb.Result {
	out := &pb.Result{
		Outcome:           outcomeToPB[r.Outcome],
		ErrorType:         r.ErrorType,
		ErrorMessage:      r.ErrorMessage,
		MatchId:           r.MatchID,
		SkipReason:        r.SkipReason,
		Rows:              r.Rows,
		EventsExtracted:   r.EventsExtracted,
		TotalEvents:       r.TotalEvents,
		ReprocessedTables: r.Reprocessed,
		RowsDeleted:       r.RowsDeleted,
		Timings: &pb.Timings{
			ReadNanos:    int64(r.Timings.Read),
			ExtractNanos: int64(r.Timings.Extract),
			StoreNanos:   int64(r.Timings.Store),
			TotalNanos:   int64(r.Timings.Total),
		},
	}
	if len(r.TableDurations) > 0 {
		out.TableNanos = make(map[string]int64, len(r.TableDurations))
		for k, v := range r.TableDurations {
			out.TableNanos[k] = int64(v)
		}
	}
	return out
}

func resultFromPB(p *pb.Result) *Result {
	r := &Result{
		ErrorType:       p.GetErrorType(),
		ErrorMessage:    p.GetErrorMessage(),
		MatchID:         p.GetMatchId(),
		SkipReason:      p.GetSkipReason(),
		Rows:            p.GetRows(),
		EventsExtracted: p.GetEventsExtracted(),
		TotalEvents:     p.GetTotalEvents(),
		Reprocessed:     p.GetReprocessedTables(),
		RowsDeleted:     p.GetRowsDeleted(),
	}
	for o, po := range outcomeToPB {
		if po == p.GetOutcome() {
			r.Outcome = o
		}
	}
	if t := p.GetTimings(); t != nil {
		r.Timings = Timings{
			Read:    time.Duration(t.GetReadNanos()),
			Extract: time.Duration(t.GetExtractNanos()),
			Store:   time.Duration(t.GetStoreNanos()),
			Total:   time.Duration(t.GetTotalNanos()),
		}
	}
	if len(p.GetTableNanos()) > 0 {
		r.TableDurations = make(map[string]time.Duration, len(p.GetTableNanos()))
		for k, v := range p.GetTableNanos() {
			r.TableDurations[k] = time.Duration(v)
		}
	}
	return r
}
