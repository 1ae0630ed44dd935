module github.com/polystore/polystore/examples/otel

go 1.24.0

require (
	github.com/aws/smithy-go/metrics/smithyotelmetrics v1.0.7
	github.com/aws/smithy-go/tracing/smithyoteltracing v1.0.9
	github.com/polystore/polystore v0.0.0
	go.opentelemetry.io/otel/sdk v1.35.0
	go.opentelemetry.io/otel/sdk/metric v1.35.0
)

require (
	github.com/aws/smithy-go v1.28.8 // indirect
	github.com/go-logr/logr v1.4.2 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.opentelemetry.io/auto/sdk v1.1.0 // indirect
	go.opentelemetry.io/otel v1.35.0 // indirect
	go.opentelemetry.io/otel/metric v1.35.0 // indirect
	go.opentelemetry.io/otel/trace v1.35.0 // indirect
	golang.org/x/sync v0.19.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)

replace github.com/polystore/polystore => ../../
