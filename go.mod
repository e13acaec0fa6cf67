module github.com/cpec-digital/indus

go 1.26.8

require (
	github.com/lukeroth/gdal v0.0.0-20251112192847-aa5e8dc032a2
	github.com/paulmach/orb v0.14.0
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/stretchr/testify v1.11.1 // indirect
