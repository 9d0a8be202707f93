export default function pluginFactory() {}
