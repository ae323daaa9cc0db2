# ConstitutionHub web node. Build: docker build -t constitutionhub .
# Run against a PostgreSQL of your own: docker run -p 8080:8080 -e ConnectionStrings__Hub="Host=db;Username=hub;Password=...;Database=hub" \
#   -e Auth__Oidc__Authority=... constitutionhub
# ONNX Runtime comes from NuGet with the build: the GPU package by default (CUDA 13 and cuDNN 9 must then be in the
# image or on the host, see README "What a GPU host needs"; without them the CPU runs everything), or the small
# CPU-only package with: docker build --build-arg ONNXRUNTIME=cpu -t constitutionhub .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG ONNXRUNTIME=gpu
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cd src/ConstitutionHub.Web/Client && npm ci --no-audit --no-fund && npm run build
# The publish output is the only production path: it holds the static web assets manifest, Blazor's own script and
# MudBlazor's files (a bin/ build serves _framework/* only in Development), all fingerprinted and precompressed.
# ReadyToRun: the app's and its libraries' code (MudBlazor, Marten) compiled ahead of time, so a node starts without
# JIT-compiling them first (bench/startup: restarts 3.1-3.3 s -> 2.0-2.7 s on 2 cores).
RUN dotnet publish src/ConstitutionHub.Web -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -p:OnnxRuntimePackage=$ONNXRUNTIME -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# rsvg-convert and a font draw the PNG previews of share links.
RUN apt-get update && apt-get install -y --no-install-recommends librsvg2-bin fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY --from=build /src/models ./models
ENV ASPNETCORE_URLS=http://+:8080 \
    CONSTITUTIONHUB_WEBROOT=/app/wwwroot \
    Inference__ModelsPath=/app/models
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "ConstitutionHub.Web.dll"]
