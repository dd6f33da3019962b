# DenseMesh node image. Build from the repository root after `./mvnw -B -DskipTests package`:
#   docker build -f deploy/docker/node.Dockerfile -t densemesh/node:0.1.0 .
FROM eclipse-temurin:17-jre
RUN useradd --uid 10001 --no-create-home densemesh && mkdir /data && chown 10001 /data
COPY mesh-core/target/lib/ /opt/densemesh/lib/
COPY mesh-core/target/densemesh-node.jar /opt/densemesh/
USER 10001
ENV DM_DATA_DIR=/data
EXPOSE 8033 8008 2112
ENTRYPOINT ["java", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=75", "-jar", "/opt/densemesh/densemesh-node.jar"]
CMD ["serve"]
