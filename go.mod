module github.com/polystore/polystore

go 1.24.0

require (
	github.com/aws/smithy-go v1.28.8
	github.com/hashicorp/go-retryablehttp v0.7.8
	golang.org/x/sync v0.19.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/stretchr/testify v1.11.1 // indirect
)
