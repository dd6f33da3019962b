# DenseMesh operator image. Build from the repository root after `./mvnw -B -DskipTests package`:
#   docker build -f deploy/docker/operator.Dockerfile -t densemesh/operator:0.1.0 .
FROM eclipse-temurin:17-jre
RUN useradd --uid 10001 --no-create-home densemesh
COPY operator/target/lib/ /opt/densemesh-operator/lib/
COPY operator/target/densemesh-operator.jar /opt/densemesh-operator/
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/densemesh-operator/densemesh-operator.jar"]
