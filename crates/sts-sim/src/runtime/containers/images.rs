//! What a container is, by its image: the visits app, a shell of busybox or GNU flavour,
//! or distroless (no shell at all), and whether it is broken or crash-looping.

/// Which userland an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// busybox applets and `ash`.
    Busybox,
    /// A general distribution image (GNU coreutils wording, `dash` as `sh`).
    Generic,
    /// No shell and no binaries.
    Distroless,
}

/// What a container does, derived from its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBehaviour {
    /// Runs the visits-counting web app.
    pub visits_app: bool,
    /// The HTTP port refuses connections (tag contains `broken` or `crash`).
    pub broken: bool,
    /// Which userland answers exec.
    pub flavor: Flavor,
}

/// Splits an image into (repository, tag); the digest is dropped.
fn split_image(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (&image[..last_slash + i], &image[last_slash + i + 1..]),
        None => (image, ""),
    }
}

/// Classifies an image by the rules of this module.
pub fn image_behaviour(image: &str) -> ImageBehaviour {
    let (repo, tag) = split_image(image);
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let tag = tag.to_ascii_lowercase();
    let flavor = if image.contains("distroless") {
        Flavor::Distroless
    } else if image.contains("busybox") {
        Flavor::Busybox
    } else {
        Flavor::Generic
    };
    ImageBehaviour {
        visits_app: name.starts_with("visits"),
        broken: tag.contains("broken") || tag.contains("crash"),
        flavor,
    }
}
