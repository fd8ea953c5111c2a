# The LogService server image: one image for every role (init, replica, issuer); the command picks the role.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/LogService.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY policies /policies
ENTRYPOINT ["dotnet", "LogService.Server.dll"]
