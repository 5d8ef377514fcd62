#version 440
// The picture's pixels as they are: display values computed on the CPU (linear scRGB,
// extended P3 or PQ code values), outside it the viewer's grey.
layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 colour;

layout(std140, binding = 0) uniform View {
    vec4 region;
    vec4 background;
};
layout(binding = 1) uniform sampler2D picture;

void main()
{
    if (uv.x < 0.0 || uv.y < 0.0 || uv.x > 1.0 || uv.y > 1.0)
        colour = background;
    else
        colour = vec4(texture(picture, uv).rgb, 1.0);
}
