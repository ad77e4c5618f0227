# One image for every iotlog component; compose.yaml picks the command (broker, processor, console, migrate).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY drizzle/package.json drizzle/
COPY edge-sdk/package.json edge-sdk/
COPY broker/package.json broker/
COPY processor/package.json processor/
COPY console/package.json console/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# `iotlog up` (the default command) keeps its embedded database under /app/data
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
CMD ["node", "bin/iotlog.mjs", "up"]
